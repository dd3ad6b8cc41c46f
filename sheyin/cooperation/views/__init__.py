"""Pages of the outlet lifecycle. Views parse input, call a service, and show its result or refusal."""
