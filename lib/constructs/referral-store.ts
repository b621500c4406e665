import { CfnElement, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { retentionDays } from '../../functions/domain/retention.js';

/**
 * Items under some partitions only, by prefix (`REFERRAL#*`): the actions are allowed on an item only when
 * every partition key the request touches matches one of them (IAM's `dynamodb:LeadingKeys`).
 */
export interface PartitionGrant {
  readonly partitions: readonly string[];
  readonly actions: readonly ItemAction[];
}
export type ItemAction = 'GetItem' | 'BatchGetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'ConditionCheckItem';

/**
 * What a function does with the table: the staff's and the workflow's reading and writing of items (no
 * Scan, no batch writes), reports' reading, the health check's look, or a public function's items under
 * the partitions it owns.
 */
export type TableAccess = 'read-write' | 'read' | 'describe' | readonly PartitionGrant[];

/**
 * A new referral (functions/adapters/referral-store.ts, createReferral): the referral with its first event,
 * the person's repeat-referral marker and the idempotency record, all created in one transaction, and the
 * idempotency record and referral read back for a repeat. Nothing else in the table is in reach.
 */
export const INTAKE: PartitionGrant = { partitions: ['REFERRAL#*', 'VICTIM#*', 'IDEMPOTENCY#*'], actions: ['GetItem', 'PutItem'] };
/** The online form's answers while a victim fills it in (functions/adapters/form-session-store.ts). */
export const FORM_SESSIONS: PartitionGrant = { partitions: ['FORMSESSION#*'], actions: ['GetItem', 'PutItem', 'DeleteItem'] };

// Scan reads every person's referral in one call: only an operator's one-off pass (local/, with the
// operator's own credentials) ever scans; no function is allowed to. Batch writes are never used.
const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'];
const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];

/**
 * The victim key's HMAC key, by its alias: the functions name it so, and so do the operator's scripts
 * (`npm run rekey-victims`, `npm run seed`), which are not given the stack's environment.
 */
export const VICTIM_KEY_ALIAS = 'alias/referral-victim-key';

export interface ReferralStoreProps {
  /** How long a referral's records are kept before DynamoDB's TTL removes them (default six years). */
  readonly retentionDays?: number;
}

/**
 * Where referrals are kept: one table with its stream, encrypted with a key of its own. Created in the
 * stack's own scope (see ReferralStack).
 */
export class ReferralStore {
  readonly key: kms.Key;
  readonly table: dynamodb.Table;
  /** Keys the repeat-referral marker (SPEC §10): HMAC-SHA-256 in KMS, its secret never leaves KMS. */
  readonly victimKey: kms.Key;
  private readonly environment: Record<string, string>;

  constructor(stack: Stack, props: ReferralStoreProps) {
    this.key = new kms.Key(stack, 'DataKey', {
      description: 'Encrypts referral data at rest',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // The marker that finds a person's earlier referrals is an HMAC of their name and postcode under this
    // key, not a bare digest: with the table, a backup or an export alone, nobody can test a name and
    // postcode against it. KMS does not rotate HMAC keys (a rotated key would lose every earlier marker).
    this.victimKey = new kms.Key(stack, 'VictimKey', {
      description: 'Keys the repeat-referral marker of a victim (HMAC of name and postcode)',
      keySpec: kms.KeySpec.HMAC_256,
      keyUsage: kms.KeyUsage.GENERATE_VERIFY_MAC,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.victimKey.addAlias(VICTIM_KEY_ALIAS);

    // One table: referrals, assignments, events and idempotency records, keyed by pk/sk. Its stream is
    // read by more than one consumer (workflow starts, report facts): old and new images serve them all.
    this.table = new dynamodb.Table(stack, 'ReferralTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    });
    // A team's inbox: its assignments, soonest deadline first.
    this.table.addGlobalSecondaryIndex({
      indexName: 'byTeam',
      partitionKey: { name: 'teamKey', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'teamSort', type: dynamodb.AttributeType.STRING },
    });

    // Open work only (sparse: the key is removed once an assignment is acknowledged, declined or
    // re-assigned): the reports' open-now and overdue-now figures cost what is open, not all history.
    this.table.addGlobalSecondaryIndex({
      indexName: 'openByArea',
      partitionKey: { name: 'openKey', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'openSort', type: dynamodb.AttributeType.STRING },
    });

    this.environment = {
      TABLE_NAME: this.table.tableName,
      RETENTION_DAYS: String(retentionDays(props.retentionDays, 'retentionDays')),
    };
  }

  /** The table's name and retention in the function's environment, and the grant for `access`, together. */
  bind(fn: lambda.Function, access: TableAccess): void {
    for (const [name, value] of Object.entries(this.environment)) fn.addEnvironment(name, value);
    const tableAndIndexes = [this.table.tableArn, `${this.table.tableArn}/index/*`];
    if (access === 'describe') {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:DescribeTable'], resources: [this.table.tableArn] }));
    } else if (access === 'read') {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: READ_ACTIONS, resources: tableAndIndexes }));
      this.key.grantDecrypt(fn);
      this.acknowledgeIndexes(fn, 'Read-only grants cover the indexes of this one table (the open-work index), not any other table.');
    } else if (access === 'read-write') {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: READ_ACTIONS, resources: tableAndIndexes }));
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: WRITE_ACTIONS, resources: [this.table.tableArn] }));
      this.grantKeyForWrites(fn);
      this.acknowledgeIndexes(fn, 'Read/write grants cover the indexes of this one table (the team inbox index), not any other table.');
    } else {
      for (const grant of access) {
        fn.addToRolePolicy(new iam.PolicyStatement({
          actions: grant.actions.map((action) => `dynamodb:${action}`),
          resources: [this.table.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...grant.partitions] } },
        }));
      }
      this.grantKeyForWrites(fn);
    }
  }

  /**
   * For a function that stores new referrals: the victim key's alias in its environment, and leave to
   * compute a MAC under it, nothing else (not even to verify one, or to see the key's details).
   */
  bindVictimKey(fn: lambda.Function): void {
    fn.addEnvironment('VICTIM_KEY_ID', VICTIM_KEY_ALIAS);
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:GenerateMac'], resources: [this.victimKey.keyArn] }));
  }

  private grantKeyForWrites(fn: lambda.Function): void {
    this.key.grantEncryptDecrypt(fn);
    for (const action of ['kms:GenerateDataKey*', 'kms:ReEncrypt*']) {
      Validations.of(fn).acknowledge({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: 'Granted by the table grant on the single customer-managed data key; the wildcard covers variants of one operation on that key only.',
      });
    }
  }

  private acknowledgeIndexes(fn: lambda.Function, reason: string): void {
    const tableId = Stack.of(this.table).getLogicalId(this.table.node.defaultChild as CfnElement);
    Validations.of(fn).acknowledge({ id: `AwsSolutions-IAM5[Resource::<${tableId}.Arn>/index/*]`, reason });
  }
}
