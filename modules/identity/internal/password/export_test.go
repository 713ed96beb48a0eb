package password

// DummyHash exposes, to tests only, the hash verified for unknown accounts.
func (h *Hasher) DummyHash() string { return h.dummy }
