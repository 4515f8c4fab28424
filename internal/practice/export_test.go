package practice

import "github.com/atlas-practice/atlas/internal/atlas"

// WatchServiceCache has c report each invalidation on dropped: the
// practice, or "" for all, as listening starts (or stops).
func WatchServiceCache(c *ServiceCache, dropped chan<- atlas.PracticeID) {
	c.dropped = func(pid atlas.PracticeID) { dropped <- pid }
}
