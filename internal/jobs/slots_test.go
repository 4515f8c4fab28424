package jobs

import (
	"testing"
	"time"
)

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func TestLatestSlot(t *testing.T) {
	t.Parallel()
	utc := time.UTC
	london := mustLoad(t, "Europe/London")
	newYork := mustLoad(t, "America/New_York")
	tokyo := mustLoad(t, "Asia/Tokyo")
	now := time.Date(2026, 5, 20, 12, 34, 56, 789, utc)

	tests := []struct {
		name        string
		spec        string
		loc         *time.Location
		after, now  time.Time
		want        time.Time // zero: nothing due
		wantSkipped int
		atLeast     bool // wantSkipped is a lower bound
	}{
		{
			name:  "nothing due yet",
			spec:  "@hourly",
			loc:   utc,
			after: time.Date(2026, 5, 20, 10, 0, 0, 0, utc),
			now:   time.Date(2026, 5, 20, 10, 59, 59, 0, utc),
		},
		{
			name:  "a slot exactly at now is due",
			spec:  "@hourly",
			loc:   utc,
			after: time.Date(2026, 5, 20, 10, 0, 0, 0, utc),
			now:   time.Date(2026, 5, 20, 11, 0, 0, 0, utc),
			want:  time.Date(2026, 5, 20, 11, 0, 0, 0, utc),
		},
		{
			name:  "first run counts from creation",
			spec:  "0 6 * * *",
			loc:   utc,
			after: time.Date(2026, 5, 20, 5, 59, 30, 123456000, utc),
			now:   time.Date(2026, 5, 20, 6, 0, 1, 0, utc),
			want:  time.Date(2026, 5, 20, 6, 0, 0, 0, utc),
		},
		{
			name:        "missed slots collapse into the latest",
			spec:        "@every 1h",
			loc:         utc,
			after:       time.Date(2026, 5, 20, 10, 0, 0, 0, utc),
			now:         time.Date(2026, 5, 20, 13, 30, 0, 0, utc),
			want:        time.Date(2026, 5, 20, 13, 0, 0, 0, utc),
			wantSkipped: 2,
		},
		{
			name:        "daily in New York across the March DST change",
			spec:        "0 6 * * *",
			loc:         newYork,
			after:       time.Date(2026, 3, 7, 6, 0, 0, 0, newYork), // EST, UTC-5
			now:         time.Date(2026, 3, 10, 15, 30, 0, 0, utc),
			want:        time.Date(2026, 3, 10, 6, 0, 0, 0, newYork), // EDT, UTC-4
			wantSkipped: 2,
		},
		{
			name:  "London spring forward: 06:00 is 05:00 UTC",
			spec:  "0 6 * * *",
			loc:   london,
			after: time.Date(2026, 3, 28, 6, 0, 0, 0, london), // GMT
			now:   time.Date(2026, 3, 29, 5, 0, 0, 0, utc),
			want:  time.Date(2026, 3, 29, 6, 0, 0, 0, london), // BST
		},
		{
			name:  "London spring forward: not yet due at 05:00 London",
			spec:  "0 6 * * *",
			loc:   london,
			after: time.Date(2026, 3, 28, 6, 0, 0, 0, london),
			now:   time.Date(2026, 3, 29, 4, 59, 59, 0, utc), // 05:59:59 BST
		},
		{
			name:  "London fall back: 06:00 is 06:00 UTC",
			spec:  "0 6 * * *",
			loc:   london,
			after: time.Date(2026, 10, 24, 6, 0, 0, 0, london), // BST
			now:   time.Date(2026, 10, 25, 6, 0, 0, 0, utc),
			want:  time.Date(2026, 10, 25, 6, 0, 0, 0, london), // GMT
		},
		{
			name:  "London fall back: not yet due at 06:00 BST",
			spec:  "0 6 * * *",
			loc:   london,
			after: time.Date(2026, 10, 24, 6, 0, 0, 0, london),
			now:   time.Date(2026, 10, 25, 5, 59, 59, 0, utc),
		},
		{
			// robfig's behaviour, which Periodic.Spec warns about: a time
			// the clocks skip does not run that day...
			name:  "London spring forward: 01:30 is skipped that day",
			spec:  "30 1 * * *",
			loc:   london,
			after: time.Date(2026, 3, 28, 1, 30, 0, 0, london),
			now:   time.Date(2026, 3, 29, 23, 0, 0, 0, utc),
		},
		{
			// ...and a time they repeat runs twice.
			name:  "London fall back: 01:30 GMT follows 01:30 BST",
			spec:  "30 1 * * *",
			loc:   london,
			after: time.Date(2026, 10, 25, 0, 30, 0, 0, utc), // 01:30 BST
			now:   time.Date(2026, 10, 25, 1, 30, 0, 0, utc),
			want:  time.Date(2026, 10, 25, 1, 30, 0, 0, utc), // 01:30 GMT
		},
		{
			name:        "monthly in Tokyo",
			spec:        "0 0 1 * *",
			loc:         tokyo,
			after:       time.Date(2026, 1, 1, 0, 0, 0, 0, tokyo),
			now:         time.Date(2026, 3, 31, 15, 0, 0, 0, utc), // 1 April 00:00 in Tokyo
			want:        time.Date(2026, 4, 1, 0, 0, 0, 0, tokyo),
			wantSkipped: 2,
		},
		{
			name:  "a spec that never fires",
			spec:  "0 0 30 2 *",
			loc:   utc,
			after: time.Date(2026, 1, 1, 0, 0, 0, 0, utc),
			now:   now,
		},
		{
			name:        "every minute, a month behind: too many to walk",
			spec:        "* * * * *",
			loc:         london,
			after:       now.AddDate(0, -1, 0),
			now:         now,
			want:        time.Date(2026, 5, 20, 12, 34, 0, 0, utc),
			wantSkipped: maxSlotSteps,
			atLeast:     true,
		},
		{
			name:        "every second, a day behind: too many to walk",
			spec:        "@every 1s",
			loc:         utc,
			after:       now.Add(-24 * time.Hour).Truncate(time.Second),
			now:         now,
			want:        now.Truncate(time.Second),
			wantSkipped: maxSlotSteps,
			atLeast:     true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sched, err := parseSpec(tt.spec, tt.loc)
			if err != nil {
				t.Fatal(err)
			}
			slot, skipped, ok := latestSlot(sched, tt.after, tt.now)
			if tt.want.IsZero() {
				if ok {
					t.Fatalf("got slot %v, want none", slot)
				}
				return
			}
			if !ok {
				t.Fatalf("got no slot, want %v", tt.want)
			}
			if !slot.Equal(tt.want) {
				t.Errorf("slot = %v, want %v", slot, tt.want)
			}
			if skipped != tt.wantSkipped && !(tt.atLeast && skipped > tt.wantSkipped) {
				t.Errorf("skipped = %d, want %d (at least: %v)", skipped, tt.wantSkipped, tt.atLeast)
			}
		})
	}
}
