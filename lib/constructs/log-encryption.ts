import { ArnFormat, Aspects, RemovalPolicy, type Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';

/**
 * Encrypts every log group of the stack with a key of its own: a log line should never hold a person's
 * details, but if one ever did, it would be as protected as the table.
 */
export function encryptLogGroups(stack: Stack): kms.Key {
  const logsKey = new kms.Key(stack, 'LogsKey', {
    description: 'Encrypts the service log groups',
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  logsKey.addToResourcePolicy(new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) } },
  }));
  Aspects.of(stack).add({
    visit: (node) => {
      if (node instanceof logs.CfnLogGroup) {
        node.kmsKeyId = logsKey.keyArn;
        node.node.addDependency(logsKey);
      }
    },
  });
  return logsKey;
}
