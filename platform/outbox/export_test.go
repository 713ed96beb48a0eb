package outbox

import "context"

// SetAfterPublish installs a hook between XADD and marking the rows, so a
// test can crash the relay at the worst moment.
func SetAfterPublish(r *Relay, hook func(ctx context.Context) error) { r.afterPublish = hook }
