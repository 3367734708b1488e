"""``rempart audit`` part 2: websites — TLS, headers, exposed files, back-offices,
personal data visible from outside. Checks are pure functions over fetched
responses; :mod:`rempart.audit.site.job` does the fetching."""
