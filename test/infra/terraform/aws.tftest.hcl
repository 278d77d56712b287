# Plan-level checks of the synthesized AWS stack, run by test/infra/terraform.test.ts with
# `terraform test` against a mock of the aws provider (no credentials, no network; the real
# provider still validates every argument). The runner passes aws.tfvars.example (-var-file) with
# its two placeholders filled in (jira_cloud_id, caller_aws_arns) and lambda_zip replaced by an
# empty file, so the first run is the example an operator copies and fills. Five runs only: each
# plan costs seconds.

mock_provider "aws" {
  # Mocked computed values (ARNs) are known at plan, so references between resources compare.
  override_during = plan

  mock_resource "aws_lambda_function" {
    defaults = {
      arn = "arn:aws:lambda:us-east-1:123456789012:function:jira-token-proxy-prod"
    }
  }
  mock_resource "aws_sqs_queue" {
    defaults = {
      arn = "arn:aws:sqs:us-east-1:123456789012:jira-token-proxy-prod-refresh-dlq"
    }
  }
  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }
  # IAM arguments are validated as JSON policies even under a mock.
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

run "aws_tfvars_example_as_is" {
  command = plan

  # The endpoint and the function.
  assert {
    condition     = aws_lambda_function_url.url.authorization_type == "AWS_IAM"
    error_message = "the function URL must require SigV4 (AWS_IAM)"
  }
  assert {
    condition     = aws_lambda_function.function.runtime == "nodejs22.x" && aws_lambda_function.function.timeout > tonumber(aws_lambda_function.function.environment[0].variables.UPSTREAM_TIMEOUT_SECONDS)
    error_message = "the function must run Node 22 with a timeout above the upstream timeout"
  }
  assert {
    condition     = length(aws_iam_role_policy_attachment.exec_vpc) == 0 && length(aws_lambda_function.function.vpc_config[0].subnet_ids) == 0
    error_message = "VPC egress must be off by default"
  }

  # Secrets: SSM by default, every value through value_wo.
  assert {
    condition     = length(aws_ssm_parameter.ssm_refresh_token) == 1 && length(aws_secretsmanager_secret.sm_refresh_token) == 0
    error_message = "the default store is SSM"
  }
  assert {
    condition     = aws_ssm_parameter.ssm_salt[0].value_wo_version == 1 && aws_ssm_parameter.ssm_refresh_token[0].value_wo_version == 1 && aws_ssm_parameter.ssm_refresh_token[0].type == "SecureString"
    error_message = "the salt and the placeholders are SecureStrings written through value_wo, version 1"
  }

  # Least privilege.
  assert {
    condition     = data.aws_iam_policy_document.ssm_access.statement[1].actions == toset(["ssm:PutParameter"]) && length(data.aws_iam_policy_document.ssm_access.statement[1].resources) == 8
    error_message = "the function may write only REFRESH_TOKEN, ACCESS_TOKEN, REFRESH_OUTCOME, the lock and their .next-* markers"
  }
  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.caller_access.statement : s.resources == toset([aws_lambda_function.function.arn])])
    error_message = "the caller role may invoke this function only"
  }
  assert {
    condition     = length(data.aws_iam_policy_document.caller_trust_aws) == 1 && length(data.aws_iam_policy_document.caller_trust_google) == 0
    error_message = "only the declared kinds of callers are trusted"
  }

  # Alarms, the dead-letter queue, the topic.
  assert {
    condition     = length(aws_sns_topic.alarms) == 1 && aws_sns_topic_subscription.alarm_email_subscription[0].endpoint == "oncall@example.com"
    error_message = "without alarm_sns_topic_arn a topic is created, with the alarm_email subscribed"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.family_days_left.treat_missing_data == "breaching" && aws_cloudwatch_metric_alarm.family_days_left.threshold == 30
    error_message = "a stopped schedule must raise the days-left alarm"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.function_errors.namespace == "AWS/Lambda" && aws_cloudwatch_metric_alarm.function_errors.metric_name == "Errors"
    error_message = "the function's Errors must be watched"
  }
  assert {
    condition     = aws_scheduler_schedule.refresh.target[0].dead_letter_config[0].arn == aws_sqs_queue.refresh_dlq.arn
    error_message = "the schedule must send failed invocations to the dead-letter queue"
  }

  # Atlassian's quotas: held longer than the operator's minutes (60 by default), near-limit seen.
  assert {
    condition     = aws_cloudwatch_metric_alarm.quota_limited.threshold == 60 && aws_cloudwatch_metric_alarm.quota_limited.statistic == "Maximum" && aws_cloudwatch_metric_alarm.quota_limited.comparison_operator == "GreaterThanThreshold" && aws_cloudwatch_metric_alarm.quota_limited.metric_name == "quotaLimitedMinutes"
    error_message = "the quota alarm must fire above quota_limited_alarm_minutes (60) of minutes held in a row"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.quota_near_limit.metric_name == "upstreamNearLimit" && aws_cloudwatch_metric_alarm.quota_near_limit.threshold == 1
    error_message = "a near-limit flag from Atlassian must raise the near-limit alarm"
  }
  assert {
    condition     = aws_cloudwatch_log_metric_filter.metric_upstreamRateLimited_by_reason.metric_transformation[0].dimensions == tomap({ reason = "$.reason" })
    error_message = "Atlassian's 429s must be counted by reason"
  }
  assert {
    condition     = length([for w in jsondecode(aws_cloudwatch_dashboard.dashboard.dashboard_body).widgets : w if strcontains(w.properties.title, "429s by reason") || strcontains(w.properties.title, "minutes held in a row")]) == 2
    error_message = "the dashboard must show the 429s by reason, the held answers, the minutes held and the near-limit flags"
  }

  # The enterprise controls unset: every argument as a stack without them had it (no replacement).
  assert {
    condition     = aws_lambda_function.function.kms_key_arn == null && aws_cloudwatch_log_group.logs.kms_key_id == null && aws_sns_topic.alarms[0].kms_master_key_id == null
    error_message = "without kms_key_arn the environment, the logs and the topic keep their default encryption"
  }
  assert {
    condition     = aws_sqs_queue.refresh_dlq.sqs_managed_sse_enabled == true && aws_sqs_queue.refresh_dlq.kms_master_key_id == null
    error_message = "without kms_key_arn the dead-letter queue keeps SQS-managed encryption"
  }
  assert {
    condition     = length(aws_iam_role_policy.exec_environment_key) == 0 && length(aws_iam_role_policy.scheduler_queue_key) == 0
    error_message = "without kms_key_arn no key policy is added to the roles"
  }
  assert {
    condition     = aws_iam_role.exec_role.permissions_boundary == null && aws_iam_role.caller_role.permissions_boundary == null && aws_iam_role.scheduler_role.permissions_boundary == null
    error_message = "without permissions_boundary_arn no role has a boundary"
  }
  assert {
    condition     = length(data.aws_iam_policy_document.caller_networks) == 0 && length(data.aws_iam_policy_document.caller_access.source_policy_documents) == 0
    error_message = "without allowed_caller_ip_ranges the caller's permission has no network condition"
  }
  assert {
    condition     = aws_lambda_function.function.reserved_concurrent_executions == -1
    error_message = "without reserved_concurrency the Lambda has no reservation"
  }
  assert {
    condition     = aws_lambda_function.function.environment[0].variables.AUDIT_LOG == "on" && aws_lambda_function.function.environment[0].variables.ALLOWED_CALLER_IP_RANGES == ""
    error_message = "the audit trail is on and every caller address allowed by default"
  }
}

run "enterprise_controls" {
  command = plan
  variables {
    kms_key_arn              = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-44cd-96ef-1234567890ab"
    permissions_boundary_arn = "arn:aws:iam::123456789012:policy/workload-boundary"
    tags                     = { CostCentre = "4711", Owner = "data-platform" }
    allowed_caller_ip_ranges = ["203.0.113.0/24", "2001:db8::/32"]
    reserved_concurrency     = 5
    audit_log                = false
  }

  assert {
    condition     = aws_lambda_function.function.kms_key_arn == var.kms_key_arn && aws_cloudwatch_log_group.logs.kms_key_id == var.kms_key_arn && aws_sns_topic.alarms[0].kms_master_key_id == var.kms_key_arn && aws_ssm_parameter.ssm_refresh_token[0].key_id == var.kms_key_arn
    error_message = "one key encrypts the secrets, the Lambda environment, the log group and the alarm topic"
  }
  assert {
    condition     = aws_sqs_queue.refresh_dlq.kms_master_key_id == var.kms_key_arn && aws_sqs_queue.refresh_dlq.sqs_managed_sse_enabled != true
    error_message = "the dead-letter queue is encrypted with the customer key instead of SQS-managed keys"
  }
  assert {
    condition     = one(data.aws_iam_policy_document.exec_environment_key_access[0].statement).actions == toset(["kms:Decrypt"]) && one(one(data.aws_iam_policy_document.exec_environment_key_access[0].statement).condition).values == tolist(["lambda.us-east-1.amazonaws.com"]) && length(aws_iam_role_policy.exec_environment_key) == 1
    error_message = "the execution role may decrypt its environment with the key, through Lambda only"
  }
  assert {
    condition     = one(data.aws_iam_policy_document.scheduler_queue_key_access[0].statement).actions == toset(["kms:GenerateDataKey", "kms:Decrypt"]) && one(one(data.aws_iam_policy_document.scheduler_queue_key_access[0].statement).condition).values == tolist(["sqs.us-east-1.amazonaws.com"]) && length(aws_iam_role_policy.scheduler_queue_key) == 1
    error_message = "the scheduler role may use the key for its dead-letter queue, through SQS only"
  }
  assert {
    condition     = alltrue([for r in [aws_iam_role.exec_role, aws_iam_role.caller_role, aws_iam_role.scheduler_role] : r.permissions_boundary == var.permissions_boundary_arn])
    error_message = "every role the stack creates carries the permissions boundary"
  }
  assert {
    condition     = one(data.aws_iam_policy_document.caller_networks[0].statement).effect == "Deny" && one(data.aws_iam_policy_document.caller_networks[0].statement).actions == toset(["lambda:InvokeFunctionUrl"]) && one(one(data.aws_iam_policy_document.caller_networks[0].statement).condition).test == "NotIpAddress" && one(one(data.aws_iam_policy_document.caller_networks[0].statement).condition).variable == "aws:SourceIp" && toset(one(one(data.aws_iam_policy_document.caller_networks[0].statement).condition).values) == toset(var.allowed_caller_ip_ranges)
    error_message = "the caller role's URL permission is denied outside allowed_caller_ip_ranges"
  }
  assert {
    condition     = length(data.aws_iam_policy_document.caller_access.source_policy_documents) == 1
    error_message = "the network condition is part of the caller role's policy"
  }
  assert {
    condition     = aws_lambda_function.function.environment[0].variables.ALLOWED_CALLER_IP_RANGES == "203.0.113.0/24,2001:db8::/32" && aws_lambda_function.function.environment[0].variables.AUDIT_LOG == "off"
    error_message = "the proxy enforces the same ranges itself, and audit_log = false turns the trail off"
  }
  assert {
    condition     = aws_lambda_function.function.reserved_concurrent_executions == 5
    error_message = "reserved_concurrency caps the Lambda"
  }
}

run "every_option" {
  command = plan
  variables {
    secret_store                   = "aws-secrets-manager"
    salt_version                   = 0
    caller_aws_arns                = []
    caller_gcp_service_account_ids = ["112233445566778899001"]
    vpc_subnet_ids                 = ["subnet-0abc"]
    vpc_security_group_ids         = ["sg-0abc"]
    alarm_sns_topic_arn            = "arn:aws:sns:us-east-1:123456789012:oncall"
    alarm_email                    = "oncall@example.com"
    aws_refresh_schedule           = "cron(17 3 * * ? *)"
    quota_limited_alarm_minutes    = 120
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.quota_limited.threshold == 120 && aws_cloudwatch_metric_alarm.quota_limited.alarm_actions == toset(["arn:aws:sns:us-east-1:123456789012:oncall"])
    error_message = "quota_limited_alarm_minutes sets the quota alarm's threshold, notifying the operator's topic"
  }

  assert {
    condition     = length(aws_ssm_parameter.ssm_salt) == 0 && length(aws_secretsmanager_secret_version.sm_salt_initial) == 1
    error_message = "aws-secrets-manager must create secrets and their initial versions, no parameters"
  }
  assert {
    condition     = aws_secretsmanager_secret_version.sm_client_id_initial[0].secret_string_wo_version == 1 && contains(aws_secretsmanager_secret_version.sm_refresh_token_initial[0].version_stages, "TERRAFORM_INITIAL")
    error_message = "Secrets Manager placeholders are written through secret_string_wo and keep the TERRAFORM_INITIAL label"
  }
  assert {
    condition     = aws_secretsmanager_secret_version.sm_salt_initial[0].secret_string_wo_version == null
    error_message = "salt_version 0 must leave an older stack's salt alone"
  }
  assert {
    condition     = length(data.aws_iam_policy_document.caller_trust_aws) == 0 && data.aws_iam_policy_document.caller_trust_google[0].statement[0].principals == toset([{ type = "Federated", identifiers = toset(["accounts.google.com"]) }])
    error_message = "Google service accounts are trusted through accounts.google.com"
  }
  assert {
    condition     = toset(one(data.aws_iam_policy_document.caller_trust_google[0].statement[0].condition).values) == toset(["112233445566778899001"]) && one(data.aws_iam_policy_document.caller_trust_google[0].statement[0].condition).variable == "accounts.google.com:aud"
    error_message = "the audience must be the service accounts' unique ids"
  }
  assert {
    condition     = length(aws_iam_role_policy_attachment.exec_vpc) == 1 && aws_lambda_function.function.vpc_config[0].subnet_ids == toset(["subnet-0abc"])
    error_message = "subnets put the Lambda in the VPC with the network-interface policy"
  }
  assert {
    condition     = length(aws_sns_topic.alarms) == 0 && aws_cloudwatch_metric_alarm.write_back_failures.alarm_actions == toset(["arn:aws:sns:us-east-1:123456789012:oncall"])
    error_message = "an operator's topic replaces the created one in every alarm"
  }
  assert {
    condition     = aws_sns_topic_subscription.alarm_email_subscription[0].topic_arn == "arn:aws:sns:us-east-1:123456789012:oncall"
    error_message = "the e-mail subscribes to the topic in use"
  }
}

run "rejects_bad_input" {
  command = plan
  variables {
    aws_refresh_schedule        = "17 3 * * *"
    caller_aws_arns             = []
    vpc_subnet_ids              = ["subnet-0abc"]
    quota_limited_alarm_minutes = 0
    tags                        = { app = "mine" }
    permissions_boundary_arn    = "workload-boundary"
    allowed_caller_ip_ranges    = ["203.0.113.7"]
    reserved_concurrency        = 0
  }
  expect_failures = [var.aws_refresh_schedule, var.caller_gcp_service_account_ids, var.vpc_subnet_ids, var.quota_limited_alarm_minutes, var.tags, var.permissions_boundary_arn, var.allowed_caller_ip_ranges, var.reserved_concurrency]
}

# The example's placeholders, copied without filling them in, stop the plan: no deployment
# against a site or a caller account that is not the operator's.
run "rejects_the_example_placeholders" {
  command = plan
  variables {
    jira_cloud_id   = "0a1b2c3d-1234-4abc-8def-0123456789ab"
    caller_aws_arns = ["arn:aws:iam::123456789012:role/analytics-pipeline"]
  }
  expect_failures = [var.jira_cloud_id, var.caller_aws_arns]
}
