package db

// HoldHashSlot takes one password-hashing slot, as a request busy hashing
// would, until release is called.
func (s *Store) HoldHashSlot() (release func()) {
	s.hashing <- struct{}{}
	return func() { <-s.hashing }
}
