"""``rempart logs``: denial of service, brute force, scanners and probes in web logs."""
