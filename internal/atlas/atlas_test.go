package atlas

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestRoles(t *testing.T) {
	t.Parallel()
	cases := []struct {
		role, min Role
		want      bool
	}{
		{RoleStaff, RoleStaff, true},
		{RoleStaff, RoleManager, false},
		{RoleManager, RoleStaff, true},
		{RolePartner, RoleManager, true},
		{RolePartner, RoleAdmin, false},
		{RoleAdmin, RolePartner, true},
		{Role("owner"), RoleStaff, false},
	}
	for _, c := range cases {
		if got := c.role.AtLeast(c.min); got != c.want {
			t.Errorf("%s.AtLeast(%s) = %v", c.role, c.min, got)
		}
	}
	if r, err := ParseRole(" Partner "); err != nil || r != RolePartner {
		t.Errorf("ParseRole: %v %v", r, err)
	}
	if _, err := ParseRole("boss"); ErrorCode(err) != EInvalid {
		t.Errorf("ParseRole(boss) = %v", err)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	inner := Errorf(ENotFound, "No client called %q.", "acme")
	wrapped := fmt.Errorf("lookup: %w", inner)
	if ErrorCode(wrapped) != ENotFound || ErrorMessage(wrapped) != `No client called "acme".` {
		t.Fatalf("wrapped: %s %s", ErrorCode(wrapped), ErrorMessage(wrapped))
	}
	plain := errors.New("connection reset by peer: password=hunter2")
	if ErrorCode(plain) != EInternal || ErrorMessage(plain) == plain.Error() {
		t.Fatal("an internal error's details must not become its message")
	}
	if ErrorCode(nil) != "" {
		t.Fatal("nil has no code")
	}
	f := FieldError("timezone", "bad")
	if ErrorField(fmt.Errorf("x: %w", f)) != "timezone" {
		t.Fatal("field lost through wrapping")
	}
}

func TestPeriod(t *testing.T) {
	t.Parallel()
	p, err := ParsePeriod("2026-12")
	if err != nil || p.String() != "2026-12" || p.Next().String() != "2027-01" || p.Prev().String() != "2026-11" {
		t.Fatalf("period arithmetic: %v %v", p, err)
	}
	if p.Label() != "December 2026" {
		t.Fatalf("label %q", p.Label())
	}
	for _, bad := range []string{"2026-13", "Nov", "", "2026/11"} {
		if _, err := ParsePeriod(bad); ErrorCode(err) != EInvalid {
			t.Errorf("ParsePeriod(%q) = %v", bad, err)
		}
	}
	loc, _ := time.LoadLocation("Europe/London")
	if got := PeriodOf(time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC).In(loc)); got.String() != "2026-11" {
		t.Fatalf("PeriodOf in London = %s", got)
	}
}

func TestWeekOfAndWeekdays(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	for in, want := range map[string]string{"2026-11-30": "2026-11-30", "2026-12-03": "2026-11-30", "2026-12-06": "2026-11-30", "2026-12-07": "2026-12-07"} {
		if got := WeekOf(day(in)).Format(time.DateOnly); got != want {
			t.Errorf("WeekOf(%s) = %s, want %s", in, got, want)
		}
	}
	for _, c := range []struct {
		from, to string
		want     int
	}{
		{"2026-11-01", "2026-12-01", 21}, // November 2026: 21 weekdays
		{"2026-12-01", "2026-12-04", 3},  // Tue to Thu
		{"2026-12-05", "2026-12-07", 0},  // a weekend
		{"2026-12-07", "2026-12-07", 0},
	} {
		if got := Weekdays(day(c.from), day(c.to)); got != c.want {
			t.Errorf("Weekdays(%s, %s) = %d, want %d", c.from, c.to, got, c.want)
		}
	}
}
