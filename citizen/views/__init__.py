"""The public FSM pages (no account): apply, track, cancel, resubmit, feedback."""
