use ddb_encrypt::{EncryptedItem, EncryptedTable};

#[derive(EncryptedItem)]
struct Article {
    #[ddb(partition_key)]
    id: String,
    #[ddb(sign_only)]
    author: String,
    body: String,
    #[ddb(do_nothing)]
    views: u64,
    #[ddb(do_nothing)]
    expires_at: Option<i64>,
    #[ddb(sign_only)]
    note: Option<String>,
}

async fn misuse(articles: EncryptedTable<Article>) {
    let fields = Article::FIELDS;
    // A signed attribute cannot change in place: the signature would break.
    let _ = articles.update("a").set(fields.author, "eve".to_owned()).await;
    // Nor an encrypted one.
    let _ = articles.update("a").set(fields.body, "text".to_owned()).await;
    // Nor the key.
    let _ = articles.update("a").set(fields.id, "b".to_owned()).await;
    // A required unsigned field cannot be removed: the item would not read back.
    let _ = articles.update("a").remove(fields.views).await;
    // A signed Option field cannot be removed either.
    let _ = articles.update("a").remove(fields.note).await;
    // Unsigned fields can: these compile.
    let _ = articles.update("a").add(fields.views, 1).remove(fields.expires_at).await;
}

fn main() {
    let _ = misuse;
}
