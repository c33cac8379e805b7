"""What the tests of the project's settings build: the environment of a production server."""

# What production requires besides the defaults (DEBUG off, its own keys, its host), for a child
# process started the way a server is.
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 20 + "-production-secret-key-with-enough-entropy-0123456789",
    "FIELD_ENCRYPTION_KEY": "n6lEu9zQ0jW5nq3wXh2b8Fv1tQ9uY7cR4kS6pL0aB2c=",
    "ALLOWED_HOSTS": "monitor.example.uz",
}
