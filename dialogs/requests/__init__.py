"""Privacy and support requests: statutory deadlines and the request lifecycle."""
