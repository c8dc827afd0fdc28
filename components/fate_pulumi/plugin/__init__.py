"""The component provider's plugin directory: ``pulumi package add <this directory>``
(``PulumiPlugin.yaml`` says it runs on Python; the language host runs ``__main__.py``)."""
