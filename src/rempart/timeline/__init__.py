"""``rempart timeline``: the campaign calendar with every security event on it."""
