"""What people run: figures, the case report, the dashboard and its Voila launcher, teaching, the command line."""
