package practice

import "github.com/atlas-practice/atlas/internal/atlas"

// WatchServiceCache has c report each invalidation and each start of
// listening on the channels given.
func WatchServiceCache(c *ServiceCache, dropped chan<- atlas.PracticeID, listened chan<- struct{}) {
	c.dropped = func(pid atlas.PracticeID) { dropped <- pid }
	c.listened = func() { listened <- struct{}{} }
}
