"""The outside world, through small injectable clients: DNS, SMTP, HTTPS.

Every client returns results as data (a timeout is a status, not an
exception) and bounds what it reads: answers come from attackers too.
"""
