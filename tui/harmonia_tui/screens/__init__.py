"""The screens: executions, one execution, workflows, help, confirmations, the start form."""
