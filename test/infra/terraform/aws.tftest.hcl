# Plan-level checks of the synthesized AWS stack, run by test/infra/terraform.test.ts with
# `terraform test` against a mock of the aws provider (no credentials, no network; the real
# provider still validates every argument). The runner passes aws.tfvars.example as it is
# (-var-file) and only replaces lambda_zip with an empty file, so the first run is the example
# an operator copies. Three runs only: each plan costs seconds.

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
    aws_refresh_schedule = "17 3 * * *"
    caller_aws_arns      = []
    vpc_subnet_ids       = ["subnet-0abc"]
  }
  expect_failures = [var.aws_refresh_schedule, var.caller_gcp_service_account_ids, var.vpc_subnet_ids]
}
