// Shared fixtures for the api unit tests: a full pod manifest touching every field.
#pragma once

#include <string>

namespace peapod::api::testdata {

// A pod in JSON with every field set to a non-zero value (so round trips cover them all).
inline const char* kFullPodJson = R"({
  "apiVersion": "v1",
  "kind": "Pod",
  "metadata": {
    "name": "web-1", "generateName": "web-", "namespace": "prod", "uid": "0b1c-22",
    "resourceVersion": "42", "generation": 3, "creationTimestamp": "2026-11-22T17:40:01Z",
    "deletionTimestamp": "2026-11-22T18:00:00Z", "deletionGracePeriodSeconds": 30,
    "labels": {"app": "web", "tier": "front"}, "annotations": {"example.com/note": "hi"},
    "finalizers": ["example.com/keep"],
    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-rs", "uid": "9",
                         "controller": true, "blockOwnerDeletion": true}]
  },
  "spec": {
    "volumes": [
      {"name": "data", "emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}},
      {"name": "host", "hostPath": {"path": "/srv", "type": "Directory"}}
    ],
    "initContainers": [{"name": "init", "image": "busybox:1.36", "command": ["sh", "-c", "true"], "resources": {},
                        "restartPolicy": "Always", "stdinOnce": true}],
    "containers": [{
      "name": "web", "image": "nginx:1.25", "command": ["nginx"], "args": ["-g", "daemon off;"],
      "workingDir": "/srv",
      "ports": [{"name": "http", "hostPort": 8080, "containerPort": 80, "protocol": "TCP", "hostIP": "127.0.0.1"}],
      "env": [{"name": "A", "value": "1"},
              {"name": "POD", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
              {"name": "MEM", "valueFrom": {"resourceFieldRef": {"containerName": "web", "resource": "limits.memory",
                                                                  "divisor": "1Mi"}}}],
      "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}, "requests": {"cpu": "1"}},
      "livenessProbe": {"httpGet": {"path": "/healthz", "port": 80, "host": "127.0.0.1", "scheme": "HTTP",
                                    "httpHeaders": [{"name": "X", "value": "y"}]},
                        "initialDelaySeconds": 1, "timeoutSeconds": 2, "periodSeconds": 3, "successThreshold": 1,
                        "failureThreshold": 4, "terminationGracePeriodSeconds": 5},
      "readinessProbe": {"tcpSocket": {"port": "http", "host": "h"}},
      "startupProbe": {"exec": {"command": ["true"]}},
      "lifecycle": {"postStart": {"exec": null, "sleep": {"seconds": 1}}, "preStop": {"exec": {"command": ["stop"]}}},
      "securityContext": {"capabilities": {"add": ["NET_ADMIN"], "drop": ["ALL"]}, "privileged": false,
                          "runAsUser": 1000, "runAsGroup": 1000, "runAsNonRoot": true, "readOnlyRootFilesystem": true,
                          "allowPrivilegeEscalation": false, "procMount": "Default",
                          "seccompProfile": {"type": "Localhost", "localhostProfile": "p.json"}},
      "volumeMounts": [{"name": "data", "readOnly": true, "mountPath": "/data", "subPath": "x"}],
      "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
      "imagePullPolicy": "IfNotPresent", "stdin": true, "tty": true
    }],
    "restartPolicy": "OnFailure", "terminationGracePeriodSeconds": 10, "activeDeadlineSeconds": 100,
    "dnsPolicy": "ClusterFirst", "nodeSelector": {"disk": "ssd"}, "serviceAccountName": "default",
    "automountServiceAccountToken": false, "nodeName": "node-1", "hostNetwork": true, "hostPID": true,
    "hostIPC": true, "shareProcessNamespace": true, "hostname": "web", "subdomain": "svc",
    "schedulerName": "default-scheduler", "priority": 5, "enableServiceLinks": true,
    "securityContext": {"runAsUser": 1, "runAsGroup": 2, "runAsNonRoot": false, "supplementalGroups": [3, 4],
                        "fsGroup": 5, "sysctls": [{"name": "net.ipv4.ip_forward", "value": "1"}],
                        "seccompProfile": {"type": "RuntimeDefault"}},
    "tolerations": [{"key": "k", "operator": "Equal", "value": "v", "effect": "NoExecute", "tolerationSeconds": 60}],
    "imagePullSecrets": [{"name": "regcred"}],
    "dnsConfig": {"nameservers": ["10.0.0.10"], "searches": ["svc.local"], "options": [{"name": "ndots", "value": "2"}]},
    "hostAliases": [{"ip": "127.0.0.1", "hostnames": ["foo.local"]}],
    "setHostnameAsFQDN": false, "priorityClassName": "high", "runtimeClassName": "peapod",
    "serviceAccount": "default"
  },
  "status": {
    "phase": "Running",
    "conditions": [{"type": "Ready", "status": "True", "lastProbeTime": null,
                    "lastTransitionTime": "2026-11-22T17:40:05Z", "reason": "R", "message": "M"}],
    "message": "msg", "reason": "why", "hostIP": "10.0.0.1", "hostIPs": [{"ip": "10.0.0.1"}],
    "podIP": "10.88.0.2", "podIPs": [{"ip": "10.88.0.2"}], "startTime": "2026-11-22T17:40:02Z",
    "initContainerStatuses": [{"name": "init", "state": {"terminated": {"exitCode": 0, "signal": 1,
        "reason": "Completed", "message": "m", "startedAt": "2026-11-22T17:40:02Z",
        "finishedAt": "2026-11-22T17:40:03Z", "containerID": "peapod://a"}},
        "lastState": {}, "ready": true, "restartCount": 0, "image": "busybox:1.36", "imageID": "sha256:1",
        "containerID": "peapod://a", "started": false}],
    "containerStatuses": [{"name": "web", "state": {"running": {"startedAt": "2026-11-22T17:40:04Z"}},
        "lastState": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off"}}, "ready": true,
        "restartCount": 2, "image": "nginx:1.25", "imageID": "sha256:2", "containerID": "peapod://b",
        "started": true}],
    "qosClass": "BestEffort"
  }
})";

}  // namespace peapod::api::testdata
