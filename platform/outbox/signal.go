package outbox

// Signal wakes the relay of this process as soon as a transaction that
// wrote outbox rows commits, instead of waiting for the next poll. Wakes
// coalesce: many commits while the relay is busy make one more round.
type Signal struct {
	c chan struct{}
}

// NewSignal returns a signal nobody has raised yet.
func NewSignal() *Signal { return &Signal{c: make(chan struct{}, 1)} }

// Wake raises the signal; it never blocks.
func (s *Signal) Wake() {
	select {
	case s.c <- struct{}{}:
	default:
	}
}

// C is received from when the signal was raised.
func (s *Signal) C() <-chan struct{} { return s.c }
