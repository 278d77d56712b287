import { TerraformElement, TerraformStack } from 'cdktf';
import type { Construct, Node } from 'constructs';
import { configureBackend } from './backend';

/** Write-only arguments (`value_wo`, `secret_string_wo`, `secret_data_wo`) need Terraform 1.11. */
export const TERRAFORM_VERSION = '>= 1.11.0';

/**
 * A stack whose parts are Constructs (secrets, role, function, schedule, alarms, dashboard) but
 * whose Terraform addresses stay flat (`aws_ssm_parameter.ssm_salt`, not a path hash): existing
 * state, the import commands in docs/OPERATORS.md and the `terraform test` files keep working
 * whichever construct a resource lives in. Two elements with one name are a synth error.
 */
export abstract class ProxyStack extends TerraformStack {
  private readonly names = new Map<string, string>();

  constructor(scope: Construct, id: string, providerVersions: Record<string, string>) {
    super(scope, id);
    configureBackend(this, id);
    this.addOverride('terraform.required_version', TERRAFORM_VERSION);
    // A range, as published modules give it: the bindings' own version is only the newest tested.
    for (const [provider, range] of Object.entries(providerVersions))
      this.addOverride(`terraform.required_providers.${provider}.version`, range);
  }

  protected override allocateLogicalId(element: TerraformElement | Node): string {
    const node = TerraformElement.isTerraformElement(element) ? element.node : element;
    if (node === this.node) return '';
    const seen = this.names.get(node.id);
    if (seen !== undefined && seen !== node.path)
      throw new Error(`two Terraform elements are named ${node.id}: ${seen} and ${node.path}`);
    this.names.set(node.id, node.path);
    return node.id;
  }
}
