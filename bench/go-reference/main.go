// A same-run Go baseline for the full-cycle benchmark: the device-info file
// functions of the Go reference (network-attachment-definition-client
// pkg/utils/cniconfig.go @ 46fcc411: saveDeviceInfo, loadDeviceInfo,
// cleanDeviceInfo, CopyDeviceInfoForCNIFromDP), transcribed with the standard
// library only (the module is not available offline). They make the system
// calls fixtures/go-reference/behaviours.md records: save = stat(dir),
// stat(path), open(O_CREAT|O_TRUNC, 0444), write, close; load = open, fstat,
// read, read, close; clean = stat, unlink.
//
// Protocol: one command per line on stdin, "batch <base-dir> <count>" (or
// "trace ...", the same between marker calls for strace); it runs the five
// phases over <count> devices and answers one line of JSON with
// the microseconds per operation of each phase (wall and CPU), so that the Node benchmark
// can interleave it with its own variants round by round.
//
// Build: go build -o <out> bench/go-reference/main.go (GO111MODULE=off; no dependencies).
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type PciDevice struct {
	PciAddress        string `json:"pci-address,omitempty"`
	Vhostnet          string `json:"vhost-net,omitempty"`
	RdmaDevice        string `json:"rdma-device,omitempty"`
	PfPciAddress      string `json:"pf-pci-address,omitempty"`
	RepresentorDevice string `json:"representor-device,omitempty"`
}

type VdpaDevice struct {
	ParentDevice      string `json:"parent-device,omitempty"`
	Driver            string `json:"driver,omitempty"`
	Path              string `json:"path,omitempty"`
	PciAddress        string `json:"pci-address,omitempty"`
	PfPciAddress      string `json:"pf-pci-address,omitempty"`
	RepresentorDevice string `json:"representor-device,omitempty"`
}

type VhostDevice struct {
	Mode string `json:"mode,omitempty"`
	Path string `json:"path,omitempty"`
}

type MemifDevice struct {
	Role string `json:"role,omitempty"`
	Path string `json:"path,omitempty"`
	Mode string `json:"mode,omitempty"`
}

type DeviceInfo struct {
	Type      string       `json:"type"`
	Version   string       `json:"version"`
	Pci       *PciDevice   `json:"pci,omitempty"`
	Vdpa      *VdpaDevice  `json:"vdpa,omitempty"`
	VhostUser *VhostDevice `json:"vhost-user,omitempty"`
	Memif     *MemifDevice `json:"memif,omitempty"`
}

func saveDeviceInfo(devInfo *DeviceInfo, dir, path string) error {
	if devInfo == nil {
		return fmt.Errorf("Device Information is null")
	}
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		if err := os.MkdirAll(dir, os.ModeDir); err != nil {
			return err
		}
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		return fmt.Errorf("Device Information file already exists: %s", path)
	}
	devInfoJSON, err := json.Marshal(devInfo)
	if err != nil {
		return err
	}
	return os.WriteFile(path, devInfoJSON, 0444)
}

func loadDeviceInfo(path string) (*DeviceInfo, error) {
	var devInfo DeviceInfo
	bytes, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(bytes, &devInfo); err != nil {
		return nil, err
	}
	return &devInfo, nil
}

func cleanDeviceInfo(path string) error {
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		return os.Remove(path)
	}
	return nil
}

const resource = "bench.example.com/sriov"

func dpPath(base string, i int) string {
	name := strings.ReplaceAll(resource, "/", "-")
	return filepath.Join(base, "dp", fmt.Sprintf("%s-%s-device.json", name, deviceID(i)))
}

func deviceID(i int) string {
	return fmt.Sprintf("0000:%x:%02x.%d", 0xa0+(i>>8), (i>>3)&31, i&7)
}

func cniPath(base string, i int) string {
	return filepath.Join(base, "cni", fmt.Sprintf("sriov-net1-%064x_net1", i))
}

var info = DeviceInfo{
	Type:    "pci",
	Version: "1.1.0",
	Pci: &PciDevice{
		PciAddress:        "0000:af:06.3",
		Vhostnet:          "/dev/vhost-net",
		RdmaDevice:        "mlx5_3",
		PfPciAddress:      "0000:af:00.0",
		RepresentorDevice: "pf0vf3",
	},
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	must(syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type result struct {
	Wall map[string]float64 `json:"wall"`
	CPU  map[string]float64 `json:"cpu"`
}

// marker makes an access(2) call on a path that does not exist: bench/syscalls.ts
// counts the system calls between two of them under strace.
func marker(edge, phase string) {
	_ = syscall.Access("/devinfo-bench-marker/"+edge+"/go/"+url.PathEscape(phase), 0)
}

func batch(base string, count int, traced bool) result {
	r := result{Wall: map[string]float64{}, CPU: map[string]float64{}}
	phase := func(name string, fn func(i int)) {
		if traced {
			marker("begin", name)
		}
		start, cpu := time.Now(), cpuTime()
		for i := 0; i < count; i++ {
			fn(i)
		}
		r.Wall[name] = float64(time.Since(start).Nanoseconds()) / 1000 / float64(count)
		r.CPU[name] = float64((cpuTime() - cpu).Nanoseconds()) / 1000 / float64(count)
		if traced {
			marker("end", name)
		}
	}
	phase("save DP", func(i int) { must(saveDeviceInfo(&info, filepath.Join(base, "dp"), dpPath(base, i))) })
	phase("copy DP to CNI", func(i int) {
		loaded, err := loadDeviceInfo(dpPath(base, i))
		must(err)
		must(saveDeviceInfo(loaded, filepath.Join(base, "cni"), cniPath(base, i)))
	})
	phase("load CNI", func(i int) {
		_, err := loadDeviceInfo(cniPath(base, i))
		must(err)
	})
	phase("clean CNI", func(i int) { must(cleanDeviceInfo(cniPath(base, i))) })
	phase("clean DP", func(i int) { must(cleanDeviceInfo(dpPath(base, i))) })
	return r
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		fields := strings.Fields(in.Text())
		if len(fields) != 3 || (fields[0] != "batch" && fields[0] != "trace") {
			fmt.Fprintf(os.Stderr, "unknown command %q\n", in.Text())
			os.Exit(2)
		}
		count, err := strconv.Atoi(fields[2])
		must(err)
		out, err := json.Marshal(batch(fields[1], count, fields[0] == "trace"))
		must(err)
		fmt.Println(string(out))
	}
}
