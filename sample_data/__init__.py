"""The demo shop that `loyalty init --sample` loads: programme settings, members, purchases."""
