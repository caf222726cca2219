"""Response metrics: every response counted by route, method and status class, in a store
every process sees, for the admin page, Prometheus and a per-minute alert in the log."""
