"""The Pulumi program of every stack of this project: a party
(``pulumi up --stack party10000``) or the exchange (``pulumi up --stack exchange``), its
kind read from its config. See ``fate_pulumi.program``."""

from fate_pulumi.program import main

main()
