"""The Go maps gcemu emulates: `classic` (Go 1.21-1.23, runtime/map.go) and `swiss`
(Go 1.24+, internal/runtime/maps), over what both share (`common`: hashing, NaN keys,
slot pointers; `front`: the Python face of a map). Neither kind imports the other."""
