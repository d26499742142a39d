"""The front ends: the terminal tables, the scenario contract, the demo, the stepper.

`gcemu.cli` parses the command line and calls into these; they import the model below
them (`gcemu.core.heap`, `gcemu.report`, `gcemu.render`...) and never `gcemu.cli`.
"""
