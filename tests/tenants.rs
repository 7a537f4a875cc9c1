//! Many tenants in one table, each under its own branch key from a DynamoDB branch key store,
//! searched by an encrypted email through a beacon, against real DynamoDB and KMS APIs (the moto
//! server on 127.0.0.1): 10,000 items of 50 tenants, 16 concurrent search tasks, and how often
//! the key store is read.

#![expect(clippy::unwrap_used, reason = "tests panic on unexpected errors")]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use ddb_encrypt::beacon::{BeaconKey, SingleKeyStore, StandardBeacon};
use ddb_encrypt::keyring::{
    BranchKeyCache, BranchKeyStore as _, DynamoDbBranchKeyStore, HierarchicalKeyring,
    TenantBranchKeys,
};
use ddb_encrypt::{AttributeValue, EncryptedItem, EncryptedTable};
use ddb_encrypt_dev::interceptors::RequestCounter;
use ddb_encrypt_dev::local_aws::{LocalAws, unique_name};

const TENANTS: usize = 50;
const ORDERS_PER_TENANT: usize = 200;
/// Each customer places ten orders, with one tenant; 1,000 addresses over 512 beacon values.
const CUSTOMERS: usize = TENANTS * ORDERS_PER_TENANT / 10;
const SEARCH_TASKS: usize = 16;

#[derive(EncryptedItem, Debug, Clone, PartialEq)]
struct Order {
    #[ddb(partition_key, tenant)]
    tenant: String,
    #[ddb(sort_key)]
    id: String,
    #[ddb(beacon(length = 9, index = "ByEmail"))]
    email: String,
    total: u64,
}

fn order(tenant: usize, n: usize) -> Order {
    let customer = (tenant * ORDERS_PER_TENANT + n) / 10;
    Order {
        tenant: format!("t-{tenant:02}"),
        id: format!("o-{n:04}"),
        email: format!("customer{customer}@example.com"),
        total: u64::try_from(n).unwrap(),
    }
}

struct Setup {
    orders: EncryptedTable<Order>,
    branch_keys: Arc<HashMap<String, String>>,
    cache: Arc<BranchKeyCache<DynamoDbBranchKeyStore>>,
    beacon_key: BeaconKey,
    store_reads: RequestCounter,
    kms_calls: RequestCounter,
}

async fn setup() -> Setup {
    let local = LocalAws::shared();
    let (store_reads, kms_calls) = (RequestCounter::default(), RequestCounter::default());
    let dynamodb = aws_sdk_dynamodb::Client::from_conf(
        local.dynamodb_config().interceptor(store_reads.clone()).build(),
    );
    let kms =
        aws_sdk_kms::Client::from_conf(local.kms_config().interceptor(kms_calls.clone()).build());
    let key_arn = local.create_kms_key().await;
    let store = DynamoDbBranchKeyStore::new(dynamodb, unique_name("Keys"), "tenants", kms, key_arn)
        .unwrap();
    store.create_table().await.unwrap();
    let mut branch_keys = HashMap::new();
    for tenant in 0..TENANTS {
        branch_keys.insert(format!("t-{tenant:02}"), store.create_key().await.unwrap());
    }
    let beacon_branch_key = store.create_key().await.unwrap();
    let beacon_key = store.beacon_key(&beacon_branch_key).await.unwrap();
    let branch_keys = Arc::new(branch_keys);
    let cache = Arc::new(BranchKeyCache::new(store, Duration::from_mins(10), 1_000));

    let names = Arc::clone(&branch_keys);
    let tenants = TenantBranchKeys::for_item::<Order>(move |tenant| {
        names.get(tenant).cloned().unwrap_or_else(|| format!("no branch key for {tenant}"))
    })
    .unwrap();
    let keyring = HierarchicalKeyring::with_supplier(Arc::clone(&cache), tenants);
    let orders = EncryptedTable::<Order>::new(local.dynamodb(), unique_name("Orders"), keyring)
        .unwrap()
        .with_beacon_key(SingleKeyStore::new(Arc::clone(&cache), beacon_branch_key));
    orders.create_table().await.unwrap();
    Setup { orders, branch_keys, cache, beacon_key, store_reads, kms_calls }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_orders_of_fifty_tenants_are_found_by_email_under_per_tenant_keys() {
    let Setup { orders, branch_keys, cache, beacon_key, store_reads, kms_calls } = setup().await;

    // Writes: each tenant's active key, and the beacon key, read once.
    store_reads.reset();
    kms_calls.reset();
    let all: Vec<Order> =
        (0..TENANTS).flat_map(|t| (0..ORDERS_PER_TENANT).map(move |n| order(t, n))).collect();
    let writers: Vec<_> = all
        .chunks(all.len() / SEARCH_TASKS + 1)
        .map(|chunk| {
            let (orders, chunk) = (orders.clone(), chunk.to_vec());
            tokio::spawn(async move { orders.batch_put(&chunk).await.unwrap() })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    println!(
        "wrote {} orders: {} branch key store reads, {} KMS decrypts",
        all.len(),
        store_reads.count("GetItem"),
        kms_calls.count("Decrypt")
    );
    assert_eq!(store_reads.count("GetItem"), TENANTS + 1);
    assert_eq!(kms_calls.count("Decrypt"), TENANTS + 1);

    // Searches: 16 tasks, each a share of the customers; each tenant's key version is read
    // once, whatever the number of tasks that need it at once.
    store_reads.reset();
    kms_calls.reset();
    let by_email: Arc<HashMap<String, Vec<Order>>> =
        Arc::new(all.iter().fold(HashMap::new(), |mut map: HashMap<String, Vec<Order>>, order| {
            map.entry(order.email.clone()).or_default().push(order.clone());
            map
        }));
    let tasks: Vec<_> = (0..SEARCH_TASKS)
        .map(|task| {
            let (orders, by_email) = (orders.clone(), Arc::clone(&by_email));
            let beacon_key = beacon_key.clone();
            tokio::spawn(async move {
                let (mut searched, mut returned, mut read) = (0, 0, 0);
                for customer in (task..CUSTOMERS).step_by(SEARCH_TASKS * 10) {
                    let email = format!("customer{customer}@example.com");
                    let mut found = orders.find(Order::BEACONS.email, &email).await.unwrap();
                    found.sort_by(|a, b| (&a.tenant, &a.id).cmp(&(&b.tenant, &b.id)));
                    assert_eq!(found, by_email[&email], "{email}");
                    searched += 1;
                    returned += found.len();
                    read += index_matches(&orders, &beacon_key, &email).await;
                }
                (searched, returned, read)
            })
        })
        .collect();
    let (mut searched, mut returned, mut read) = (0, 0, 0);
    for task in tasks {
        let (s, r, i) = task.await.unwrap();
        searched += s;
        returned += r;
        read += i;
    }
    let tenants_read = store_reads.count("GetItem");
    println!(
        "{SEARCH_TASKS} tasks searched {searched} customers: {read} items read through the \
         beacon index, {returned} returned, {} false positives removed; {tenants_read} branch \
         key store reads and {} KMS decrypts",
        read - returned,
        kms_calls.count("Decrypt")
    );
    assert!(read > returned, "9-bit beacons over 1,000 addresses must collide");
    assert!((1..=TENANTS).contains(&tenants_read));
    assert_eq!(kms_calls.count("Decrypt"), tenants_read);

    // Each tenant's orders are under its own branch key: a keyring of one tenant's key reads
    // that tenant's orders, and no other tenant's.
    let t7 = HierarchicalKeyring::new(Arc::clone(&cache), branch_keys["t-07"].clone());
    let only_t7 =
        EncryptedTable::<Order>::new(orders.client().clone(), orders.table_name(), t7).unwrap();
    assert_eq!(only_t7.get(("t-07", "o-0003")).await.unwrap(), Some(order(7, 3)));
    assert!(only_t7.get(("t-08", "o-0003")).await.is_err());
}

/// The items the beacon index holds for `email`'s beacon, whatever their address.
async fn index_matches(orders: &EncryptedTable<Order>, key: &BeaconKey, email: &str) -> usize {
    let beacon = StandardBeacon::new("email", 9).unwrap();
    let hash = beacon.hash(key, &AttributeValue::S(email.to_owned())).unwrap();
    let output = orders
        .client()
        .query()
        .table_name(orders.table_name())
        .index_name("ByEmail")
        .key_condition_expression("aws_dbe_b_email = :b")
        .expression_attribute_values(":b", AttributeValue::S(hash))
        .send()
        .await
        .unwrap();
    assert!(output.last_evaluated_key.is_none(), "one page holds every match");
    output.items.unwrap_or_default().len()
}
