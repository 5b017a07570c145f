"""
Integrations with the frameworks hosts are built on, each behind an optional extra.

- `safeguarding_workflow.contrib.django`: a Django app (``pip install
  'safeguarding-workflow[django]'``): the store on Django's own database connection,
  migrations through Django's migration system, and a read-only admin.

Nothing here is imported by ``import safeguarding_workflow``.

Added in version 0.1.0.
"""
