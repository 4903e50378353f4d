package builtin

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func TestAppendJQNumber(t *testing.T) {
	for f, want := range map[float64]string{
		1000: "1000", 1: "1", 1.5: "1.5", 1e20: "1e+20", 12345678901234567890: "12345678901234567000",
		9007199254740993: "9007199254740992", 1e17: "1e+17", 1e16: "1e+16", 1.5e16: "15000000000000000",
		1e15: "1000000000000000", 123456789012345678: "123456789012345680", 1e-5: "1e-05", 0.0001: "0.0001",
		0.1: "0.1", 1e300: "1e+300", math.Inf(1): "1.7976931348623157e+308", math.Inf(-1): "-1.7976931348623157e+308",
		5e-324: "5e-324", -1: "-1", 0: "0", 123456789.123456789: "123456789.12345679", 2.5e-7: "2.5e-07",
		1.23e22: "1.23e+22", 0.30000000000000004: "0.30000000000000004",
	} {
		if got := string(appendJQNumber(nil, f)); got != want {
			t.Errorf("appendJQNumber(%v) = %s, want %s", f, got, want)
		}
	}
	if got := string(appendJQNumber(nil, math.Copysign(0, -1))); got != "-0" {
		t.Errorf("appendJQNumber(-0) = %s, want -0", got)
	}
	if got := string(appendJQNumber(nil, math.NaN())); got != "null" {
		t.Errorf("appendJQNumber(NaN) = %s, want null", got)
	}
}

// testNumbers are numbers of every magnitude and digit count, as JSON.
func testNumbers() []string {
	r := rand.New(rand.NewPCG(1, 2))
	nums := []string{"0", "-0", "1e1000", "-1e1000", "5e-324", "1.7976931348623157e308", "1e-400"}
	for e := -330; e <= 310; e++ {
		nums = append(nums, "1e"+strconv.Itoa(e), "1.5e"+strconv.Itoa(e), "-123456789e"+strconv.Itoa(e))
	}
	for range 3000 {
		f := math.Float64frombits(r.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		nums = append(nums, strconv.FormatFloat(f, 'g', -1, 64))
		nums = append(nums, strconv.FormatFloat(r.Float64()*math.Pow(10, float64(r.IntN(40)-20)), 'g', r.IntN(20)+1, 64))
		nums = append(nums, strconv.FormatInt(r.Int64()>>r.IntN(63), 10))
	}
	return nums
}

// TestJQNumbersAgainstJQ compares appendJQNumber with what the jq program
// prints for the same numbers read from JSON.
func TestJQNumbersAgainstJQ(t *testing.T) {
	jq := jq16(t)
	nums := testNumbers()
	out, ok := runJQ(t, jq, []byte(strings.Join(nums, "\n")), "-c", ".")
	if !ok {
		t.Fatal("jq failed")
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(nums) {
		t.Fatalf("jq printed %d lines for %d numbers", len(lines), len(nums))
	}
	bad := 0
	for i, n := range nums {
		v, err := parseDocument([]byte(n))
		if err != nil {
			t.Fatalf("parseDocument(%s): %v", n, err)
		}
		if got := string(appendJQNumber(nil, v.(float64))); got != lines[i] && bad < 20 {
			bad++
			t.Errorf("%s: appendJQNumber = %s, jq prints %s", n, got, lines[i])
		}
	}
}

func TestAppendJQJSON(t *testing.T) {
	v := map[string]any{"b": 1e16, "a": []any{"x\n\u007f\"", nil, true, 2}, "c": map[string]any{}}
	want := `{"a":["x\n\u007f\"",null,true,2],"b":1e+16,"c":{}}`
	if got := string(appendJQJSON(nil, v)); got != want {
		t.Errorf("appendJQJSON = %s, want %s", got, want)
	}
}
