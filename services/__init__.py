"""meshgov's stream processors: one module per processor, each a faust-streaming app that
wires pure checks from `meshgov` to the mesh.* topics."""
