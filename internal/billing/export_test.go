package billing

// SetApproveHook sets a hook ApproveUnchanged calls before the i-th
// approval; an error from it stops the run there, as a crash would.
func SetApproveHook(f func(i int) error) { approveHook = f }
