"""The audit workflow: state (:mod:`.state`), the method contract (:mod:`.method`), one
module per method, the registry (:mod:`.registry`) and the round functions (:mod:`.rounds`),
which the CLI and the store call."""
