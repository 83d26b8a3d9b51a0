"""The trainee app: the course served by Voilà (see launch.py)."""
