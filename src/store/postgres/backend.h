// A shop on PostgreSQL (`[database] url`): a pool of connections for reads
// (each read a REPEATABLE READ, READ ONLY transaction: one snapshot), a pool
// for writes (writer.h), shared by nothing else.
//
// Several shopd processes may run on one database; each is a "node" with
// its own id (its NOTIFY payload, so it ignores its own wake-ups).
#pragma once

#include <memory>
#include <string>

#include "store/postgres/pool.h"
#include "store/postgres/writer.h"
#include "store/store.h"

namespace shopd::store {

class PgBackend final : public Backend {
 public:
  // Connects and migrates the schema (waiting for another node that is
  // migrating). Throws DatabaseError when the database cannot be reached.
  explicit PgBackend(const StoreOptions& options);
  ~PgBackend() override;

  Dialect dialect() const override { return Dialect::Postgres; }
  Writer& writer() override { return *writer_; }
  std::unique_ptr<Connection> take_reader() override;
  void give_back(std::unique_ptr<Connection> conn) override;

 private:
  PgPool readers_;
  PgPool writers_;
  std::unique_ptr<PgWriter> writer_;
};

}  // namespace shopd::store
