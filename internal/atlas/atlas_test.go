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
