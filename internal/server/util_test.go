package server_test

import "strconv"

func itoa(n uint16) string { return strconv.Itoa(int(n)) }

func atoi(s string) uint16 {
	n, _ := strconv.Atoi(s)
	return uint16(n)
}
