# Copy to instance/config.py and adapt. Any setting can also come from the
# environment with the JNT_ prefix (JNT_IN_PERSON_CAPACITY=150), which wins.

# Required outside tests. Generate one with:
#   python -c "import secrets; print(secrets.token_hex(32))"
# (In the environment, a key of digits only is read as a number: refused.)
# SECRET_KEY = "..."

# In-person seats (the announcement gives no number); at most 2147483647.
# IN_PERSON_CAPACITY = 100

# The deadlines come from the content file ([deadlines]); these replace them (exclusive, with
# the UTC offset): in person ("avant le 6 janvier 2023"), remote, changes, automatic promotion.
# RSVP_DEADLINE = "2023-01-06T00:00:00+01:00"
# REMOTE_DEADLINE = "2023-01-18T09:00:00+01:00"
# CHANGES_DEADLINE = "2023-01-18T09:00:00+01:00"
# PROMOTION_DEADLINE = "2023-01-17T18:00:00+01:00"

# Make the whole site behave as at this instant (a banner says so).
# PREVIEW_NOW = "2023-01-02T10:00:00+01:00"

# Database (SQLite file in instance/ by default).
# SQLALCHEMY_DATABASE_URI = "sqlite:////var/lib/jnt/jnt.sqlite3"

# Days after the event before `flask --app jnt purge` deletes registrations.
# RETENTION_DAYS = 90

# Shown on /mentions-legales.
# LEGAL_PUBLISHER = "Éditeur : ..."
# LEGAL_HOSTING = "Hébergeur : ..."

# Behind the nginx of docs/exploitation.md (number of proxies): believe X-Forwarded-For and X-Forwarded-Proto,
# which it overwrites on every request (never X-Forwarded-Host/Prefix/Port).
# TRUSTED_PROXIES = 1
# Host names served; any other Host gets 400. Unset: every host is served (links never use it).
# TRUSTED_HOSTS = ["jnt.example.org", "10.0.0.7"]  # include the health probe's address

# Organisers' sessions: closed after this many seconds without a request, and this
# many seconds after the login however active (both checked by the server).
# PERMANENT_SESSION_LIFETIME = 4 * 3600
# ORGANISER_SESSION_MAX_AGE = 12 * 3600

# Failed organiser logins: free failures per (account, address), then waits that double
# up to a maximum; ceilings per account and per address (distinct accounts) over the window.
# LOGIN_PAIR_FREE_FAILURES = 5
# LOGIN_PAIR_DELAY_SECONDS = 60
# LOGIN_PAIR_MAX_DELAY_SECONDS = 3600
# LOGIN_MAX_FAILURES_PER_ACCOUNT = 100
# LOGIN_MAX_ACCOUNTS_PER_ADDRESS = 10
# LOGIN_WINDOW_MINUTES = 60

# The address is proven (a link e-mailed) before a seat is held; False stores forms at once.
# REQUIRE_EMAIL_CONFIRMATION = True
# CONFIRMATION_HOURS = 48
# Registration POSTs allowed per client address (IPv6: per /64) and window (seconds).
# REGISTRATION_RATE_LIMIT = 600
# REGISTRATION_RATE_WINDOW = 600
# Public address of the site: every absolute link (canonical, e-mails, calendar files) and redirect.
# PUBLIC_URL = "https://jnt.example.org"

# Video-conference link sent to remote attendees (reminders, calendar file), and the target of the
# "Rejoindre la visioconférence" button on their management page on the day (unset: no button).
# VISIO_URL = "https://..."

# Outgoing e-mail (Flask-Mail's names). Without MAIL_SERVER, e-mails are written
# as .eml files in instance/outbox/.
# MAIL_SERVER = "smtp.example.org"
# MAIL_PORT = 587
# MAIL_USE_TLS = True
# MAIL_USERNAME = "..."
# MAIL_PASSWORD = "..."
# MAIL_DEFAULT_SENDER = "Journée Numérique & Territoires <ne-pas-repondre@example.org>"

# Organisers' sign-in with ProConnect: all three, or none (password accounts only).
# OIDC_ISSUER = "https://<domaine ProConnect>/api/v2"
# OIDC_CLIENT_ID = "..."
# OIDC_CLIENT_SECRET = "..."

# The app's log level (stderr): INFO shows logins, exports and organiser actions.
# LOG_LEVEL = "INFO"

# /healthz: longest wait (seconds) for the database's write lock, and the free space (MB)
# required on the SQLite file's file system; 503 otherwise.
# HEALTHZ_BUSY_TIMEOUT = 2
# HEALTHZ_MIN_FREE_MB = 50
