# The GCP stack's own expressions, evaluated by Terraform: its variables with their validations,
# and outputs built by gcp-expressions.test.ts from the synthesized stack's residency and CMEK
# expressions (the dynamic blocks' for_each, the key grants, the region key). No google provider
# is needed (none is in the local mirror): the module has no resources.

variables {
  jira_cloud_id   = "5e6f7a8b-1234-4abc-8def-0123456789ab"
  gcp_project     = "my-analytics-project"
  invoker_members = ["serviceAccount:pipeline@my-analytics-project.iam.gserviceaccount.com"]
}

run "defaults_keep_automatic_replication_and_google_keys" {
  command = plan

  assert {
    condition     = length(output.auto_blocks) == 1 && length(output.user_managed_blocks) == 0 && length(output.auto_keys) == 0
    error_message = "without secret_replica_locations the secrets keep one automatic replication block, without a key"
  }
  assert {
    condition     = length(output.bucket_keys) == 0 && output.region_key == null && length(output.grants) == 0
    error_message = "without kms_key_names nothing is encrypted with or granted on a customer key"
  }
}

run "automatic_replication_with_a_global_key" {
  command = plan
  variables {
    kms_key_names = {
      global      = "projects/kms/locations/global/keyRings/jtp/cryptoKeys/secrets"
      us-central1 = "projects/kms/locations/us-central1/keyRings/jtp/cryptoKeys/function"
    }
  }

  assert {
    condition     = output.auto_keys == tolist(["projects/kms/locations/global/keyRings/jtp/cryptoKeys/secrets"]) && length(output.user_managed_blocks) == 0
    error_message = "automatic replication takes the global key"
  }
  assert {
    condition     = output.region_key == "projects/kms/locations/us-central1/keyRings/jtp/cryptoKeys/function" && output.bucket_keys == tolist([output.region_key])
    error_message = "the function, its images and its sources take the key of gcp_region"
  }
  assert {
    condition     = output.grants["secretmanager/global"].member == "serviceAccount:service-123456789012@gcp-sa-secretmanager.iam.gserviceaccount.com" && output.grants["secretmanager/global"].key == var.kms_key_names["global"]
    error_message = "the Secret Manager agent may use the global key"
  }
  assert {
    condition     = alltrue([for a in ["gcf-admin-robot", "gcp-sa-artifactregistry", "serverless-robot-prod", "gs-project-accounts"] : output.grants[a].key == var.kms_key_names["us-central1"] && output.grants[a].member == "serviceAccount:service-123456789012@${a}.iam.gserviceaccount.com"]) && length(output.grants) == 5
    error_message = "the function's agents may use the region key, and no one else any key"
  }
}

run "residency_in_two_regions" {
  command = plan
  variables {
    gcp_region               = "europe-west1"
    secret_replica_locations = ["europe-west1", "europe-west4"]
    kms_key_names = {
      europe-west1 = "projects/kms/locations/europe-west1/keyRings/jtp/cryptoKeys/k"
      europe-west4 = "projects/kms/locations/europe-west4/keyRings/jtp/cryptoKeys/k"
    }
  }

  assert {
    condition     = length(output.auto_blocks) == 0 && length(output.user_managed_blocks) == 1 && output.replica_locations == tolist(["europe-west1", "europe-west4"])
    error_message = "secret_replica_locations gives user-managed replication in exactly those regions"
  }
  assert {
    condition     = length(output.replica_keys) == 2 && output.replica_keys["europe-west1"] == tolist([var.kms_key_names["europe-west1"]]) && output.replica_keys["europe-west4"] == tolist([var.kms_key_names["europe-west4"]])
    error_message = "each replica is encrypted with the key of its own region"
  }
  assert {
    condition     = toset(keys(output.grants)) == toset(["secretmanager/europe-west1", "secretmanager/europe-west4", "gcf-admin-robot", "gcp-sa-artifactregistry", "serverless-robot-prod", "gs-project-accounts"])
    error_message = "the Secret Manager agent gets each replica's key"
  }
}

run "rejects_bad_input" {
  command = plan
  variables {
    labels                   = { app = "mine", "Cost Centre" = "x" }
    secret_replica_locations = ["europe-west1", "Europe West"]
    max_instances            = 0
    allowed_caller_ip_ranges = ["203.0.113.7"]
  }
  expect_failures = [var.labels, var.secret_replica_locations, var.max_instances, var.allowed_caller_ip_ranges]
}

run "rejects_keys_missing_a_location" {
  command = plan
  variables {
    secret_replica_locations = ["europe-west1"]
    kms_key_names            = { us-central1 = "projects/kms/locations/us-central1/keyRings/jtp/cryptoKeys/k" }
  }
  expect_failures = [var.kms_key_names]
}

run "rejects_a_key_in_another_location" {
  command = plan
  variables {
    kms_key_names = {
      global      = "projects/kms/locations/europe-west1/keyRings/jtp/cryptoKeys/k"
      us-central1 = "projects/kms/locations/us-central1/keyRings/jtp/cryptoKeys/k"
    }
  }
  expect_failures = [var.kms_key_names]
}
