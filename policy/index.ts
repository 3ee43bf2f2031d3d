// The policy pack: `pulumi preview --policy-pack ./policy` (see docs/policy-and-monitoring.md).
import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "./policies";

new PolicyPack("gotomeeting-provisioning", { policies: allPolicies() });
