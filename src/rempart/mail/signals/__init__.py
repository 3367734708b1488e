"""Signal modules: each exports ``SPECS`` and ``detect(mail, ctx) -> list[Hit]``.

They know nothing of scoring, stores or output; :mod:`rempart.mail.registry`
gathers them.
"""
