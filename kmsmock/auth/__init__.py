"""Authorization: who may do what to which key."""
