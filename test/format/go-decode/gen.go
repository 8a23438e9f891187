// Records what Go's encoding/json decodes from each case of cases.json into
// the structs every reader of the package mirrors: the Go reference's
// DeviceInfo, the kubelet device manager's checkpoint, CNI's version struct.
// The test (../go-decode.test.ts) runs every case through every reader and
// compares. Regenerate: cd test/format/go-decode && go run gen.go > ../../../fixtures/go-decode/expected.json
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
)

type PciDevice struct {
	PciAddress        string `json:"pci-address,omitempty"`
	Vhostnet          string `json:"vhost-net,omitempty"`
	RdmaDevice        string `json:"rdma-device,omitempty"`
	PfPciAddress      string `json:"pf-pci-address,omitempty"`
	RepresentorDevice string `json:"representor-device,omitempty"`
}

type VdpaDevice struct {
	ParentDevice string `json:"parent-device,omitempty"`
	Driver       string `json:"driver,omitempty"`
	Path         string `json:"path,omitempty"`
	PciAddress   string `json:"pci-address,omitempty"`
	PfPciAddress string `json:"pf-pci-address,omitempty"`
	Representor  string `json:"representor-device,omitempty"`
}

type DeviceInfo struct {
	Type    string      `json:"type,omitempty"`
	Version string      `json:"version,omitempty"`
	Pci     *PciDevice  `json:"pci,omitempty"`
	Vdpa    *VdpaDevice `json:"vdpa,omitempty"`
}

type PodDevicesEntry struct {
	PodUID        string
	ContainerName string
	ResourceName  string
	DeviceIDs     map[int64][]string
	AllocResp     []byte
}

type Checkpoint struct {
	Data struct {
		PodDeviceEntries  []PodDevicesEntry
		RegisteredDevices map[string][]string
	}
	Checksum uint64
}

type Entry struct {
	PodUID        string   `json:"podUID"`
	ContainerName string   `json:"containerName"`
	ResourceName  string   `json:"resourceName"`
	DeviceIDs     []string `json:"deviceIDs"`
}

type Case struct {
	Name   string `json:"name"`
	Reader string `json:"reader"`
	Text   string `json:"text"`
}

type Result struct {
	Name  string      `json:"name"`
	Error string      `json:"error,omitempty"`
	Value interface{} `json:"value,omitempty"`
}

func ids(list []string) []string {
	out := []string{}
	for _, id := range list {
		if id != "" {
			out = append(out, id)
		}
	}
	return out
}

func main() {
	data, err := os.ReadFile("../../../fixtures/go-decode/cases.json")
	if err != nil {
		panic(err)
	}
	var cases []Case
	if err := json.Unmarshal(data, &cases); err != nil {
		panic(err)
	}
	results := []Result{}
	for _, c := range cases {
		r := Result{Name: c.Name}
		switch c.Reader {
		case "device-info":
			var info DeviceInfo
			if err := json.Unmarshal([]byte(c.Text), &info); err != nil {
				r.Error = err.Error()
			} else {
				out, _ := json.Marshal(info)
				r.Value = string(out)
			}
		case "checkpoint":
			var cp Checkpoint
			if err := json.Unmarshal([]byte(c.Text), &cp); err != nil {
				r.Error = err.Error()
				break
			}
			entries := []Entry{}
			for _, e := range cp.Data.PodDeviceEntries {
				if e.PodUID == "" {
					continue
				}
				nodes := []int64{}
				for n := range e.DeviceIDs {
					nodes = append(nodes, n)
				}
				sort.Slice(nodes, func(i, j int) bool { return nodes[i] < nodes[j] })
				all := []string{}
				for _, n := range nodes {
					all = append(all, ids(e.DeviceIDs[n])...)
				}
				entries = append(entries, Entry{e.PodUID, e.ContainerName, e.ResourceName, all})
			}
			registered := map[string][]string{}
			for k, v := range cp.Data.RegisteredDevices {
				registered[k] = ids(v)
			}
			r.Value = map[string]interface{}{"entries": entries, "registeredDevices": registered}
		case "cni-version":
			var v struct {
				CNIVersion string `json:"cniVersion"`
			}
			if err := json.Unmarshal([]byte(c.Text), &v); err != nil {
				r.Error = err.Error()
			} else {
				r.Value = v.CNIVersion
			}
		default:
			panic(c.Reader)
		}
		results = append(results, r)
	}
	out, _ := json.MarshalIndent(results, "", " ")
	fmt.Println(string(out))
}
