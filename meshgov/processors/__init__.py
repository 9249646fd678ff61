"""meshgov's stream processors: one module per processor, each a pure handler
(`handle(state, message, now) -> (state, outputs)`) and the topics it reads, run on Quix
Streams by processors.runtime; processors.registry names them all."""
