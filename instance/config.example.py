# Copy to instance/config.py and adapt. Any setting can also come from the
# environment with the JNT_ prefix (JNT_IN_PERSON_CAPACITY=150), which wins.

# Required outside tests. Generate one with:
#   python -c "import secrets; print(secrets.token_hex(32))"
# (In the environment, a key of digits only is read as a number: refused.)
# SECRET_KEY = "..."

# In-person seats (the announcement gives no number); at most 2147483647.
# IN_PERSON_CAPACITY = 100

# Last moment to register, exclusive, with its time zone ("avant le 6 janvier 2023").
# RSVP_DEADLINE = "2023-01-06T00:00:00+01:00"

# Make the whole site behave as at this instant (a banner says so).
# PREVIEW_NOW = "2023-01-02T10:00:00+01:00"

# Database (SQLite file in instance/ by default).
# SQLALCHEMY_DATABASE_URI = "sqlite:////var/lib/jnt/jnt.sqlite3"

# Days after the event before `flask --app jnt purge` deletes registrations.
# RETENTION_DAYS = 90

# Shown on /mentions-legales.
# LEGAL_PUBLISHER = "Éditeur : ..."
# LEGAL_HOSTING = "Hébergeur : ..."

# Behind a reverse proxy (nginx): trust its X-Forwarded-* headers (number of proxies).
# TRUSTED_PROXIES = 1

# Registration POSTs allowed per client address and window (seconds).
# REGISTRATION_RATE_LIMIT = 30
# REGISTRATION_RATE_WINDOW = 600
# Public address of the site, for links in e-mails and calendar files.
# PUBLIC_URL = "https://jnt.example.org"

# Video-conference link sent to remote attendees (reminders, calendar file).
# VISIO_URL = "https://..."

# Outgoing e-mail (Flask-Mail's names). Without MAIL_SERVER, e-mails are written
# as .eml files in instance/outbox/.
# MAIL_SERVER = "smtp.example.org"
# MAIL_PORT = 587
# MAIL_USE_TLS = True
# MAIL_USERNAME = "..."
# MAIL_PASSWORD = "..."
# MAIL_DEFAULT_SENDER = "Journée Numérique & Territoires <ne-pas-repondre@example.org>"

# The app's log level (stderr): INFO shows logins, exports and organiser actions.
# LOG_LEVEL = "INFO"

# /healthz: longest wait (seconds) for the database's write lock, and the free space (MB)
# required on the SQLite file's file system; 503 otherwise.
# HEALTHZ_BUSY_TIMEOUT = 2
# HEALTHZ_MIN_FREE_MB = 50
