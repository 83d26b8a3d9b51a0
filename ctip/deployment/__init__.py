"""Academy deployment: JupyterHub with one Unix account per trainee, nbgrader's exchange, roles.

- ``layout``     where the hub keeps its state, the instructors' course and the exchange, and the
                 Unix groups and permissions that separate trainees (one place for all of it).
- ``hubconfig``  the JupyterHub configuration (deploy/jupyterhub_config.py calls ``configure``).
- ``accounts``   Unix accounts and the trainee's own copy of the course pages (spawn hook).
- ``exchange``   the trainee side of nbgrader's exchange, called from the trainee's kernel
                 (the app's "Тапшыруу" button): ``exchange_available``, ``fetch``, ``submit``,
                 ``feedback``, and ``hand_in`` (the one call the app makes).
- ``instructor`` the instructor side: open a course, release, collect, grade with ctip-grade,
                 release feedback (``python -m ctip.deployment.instructor --help``).
- ``hubclient``  a small HTTP client for the hub (tests and benchmarks/hub_load.py).

Nothing else in ctip imports this package (the app calls ``exchange`` through its hook).
"""
