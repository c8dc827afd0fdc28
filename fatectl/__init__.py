"""``fatectl``, the command line: validate, render and import stacks offline, read a
deployed stack, run a whole federation. Apart from the pure core (:mod:`fate_iac`): it
drives the Pulumi side (:mod:`fate_pulumi.automation`), which the core never imports.
The parser and its dispatch table are :mod:`fatectl.main`; each command group has its
module (``stack``, ``import_kubefate``, ``day2``, ``federation``)."""
