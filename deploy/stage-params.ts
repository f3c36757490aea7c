/**
 * Checks of a stage's params (as serverless.yml passes them to the stack's parameters) that
 * CloudFormation would only report halfway through a deploy, or not at all. Each problem names the
 * param and its fix.
 */
export function checkStageParams(parameters: Record<string, string>): string[] {
  const problems: string[] = [];
  const list = (name: string): string[] => (parameters[name] ?? '').split(',').map((item) => item.trim()).filter(Boolean);
  const vpcId = (parameters.VpcId ?? '').trim();
  const subnets = list('PrivateSubnetIds');
  if (vpcId && subnets.length < 2) {
    problems.push(`privateSubnetIds: a given VPC (vpcId ${vpcId}) needs its private subnets in two zones or more, comma-separated (got ${subnets.length}); or leave vpcId empty for a VPC of the stack's own`);
  }
  if (!vpcId && subnets.length > 0) problems.push('vpcId: privateSubnetIds is set but vpcId is empty: set vpcId to the subnets\' VPC, or empty privateSubnetIds for a VPC of the stack\'s own');
  if (vpcId && !/^vpc-[0-9a-f]{8,17}$/.test(vpcId)) problems.push(`vpcId: "${vpcId}" is not a VPC id (vpc-0123abcd...)`);
  for (const subnet of subnets) if (!/^subnet-[0-9a-f]{8,17}$/.test(subnet)) problems.push(`privateSubnetIds: "${subnet}" is not a subnet id (subnet-0123abcd...)`);
  for (const table of list('PrivateRouteTableIds')) if (!/^rtb-[0-9a-f]{8,17}$/.test(table)) problems.push(`privateRouteTableIds: "${table}" is not a route table id (rtb-0123abcd...)`);
  const addEndpoints = parameters.AddVpcEndpoints ?? 'true';
  if (addEndpoints !== 'true' && addEndpoints !== 'false') problems.push(`addVpcEndpoints: "${addEndpoints}" must be 'true' or 'false'`);
  if (!vpcId && list('PrivateRouteTableIds').length > 0) problems.push("privateRouteTableIds: only for a given VPC (vpcId); a VPC of the stack's own has its S3 gateway endpoint already");
  return problems;
}
