"""Family View: a child's family context, the services around it and who to call."""
