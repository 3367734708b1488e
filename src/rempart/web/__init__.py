"""``rempart serve``: the local dashboard (findings, mail, logs, timeline) and its JSON API.

:func:`rempart.web.app.create_app` builds the application; :func:`rempart.web.server.serve`
runs it, on loopback unless a login is configured (:mod:`rempart.web.auth`).
"""
